import { graphql, type ResultOf, type VariablesOf } from '../../../shared/graphql/graphql';

export const ExportFlow = graphql(`
  query ExportFlow($id: ID!, $format: BundleFormat) {
    exportFlow(id: $id, format: $format) {
      __typename
      ... on QueryExportFlowSuccess {
        data {
          format
          filename
          document
          bundle
        }
      }
      ... on Error {
        message
      }
    }
  }
`);

export const ImportProblemFields = graphql(`
  fragment ImportProblemFields on ImportProblem @_unmask {
    code
    message
    stepKey
    template
    field
  }
`);

export const ImportReportFields = graphql(
  `
    fragment ImportReportFields on ImportReport @_unmask {
      valid
      formatVersion
      kinflowVersion
      flowName
      nameClash {
        name
        existingFlowId
        resolution
      }
      steps {
        key
        type
        status
        fromVersion
        toVersion
        problems {
          ...ImportProblemFields
        }
      }
      templates {
        name
        type
        action
        importedAs
        status
        problems {
          ...ImportProblemFields
        }
      }
      references {
        kind
        name
        usedBy {
          step
          template
          field
        }
        resolved
        resolvedTo
        hint
      }
      secrets {
        step
        template
        field
        fill
        provided
        hint
      }
      problems {
        ...ImportProblemFields
      }
    }
  `,
  [ImportProblemFields],
);

export const PreviewImport = graphql(
  `
    query PreviewImport($document: String!, $options: ImportFlowOptions) {
      previewImport(document: $document, options: $options) {
        __typename
        ... on QueryPreviewImportSuccess {
          data {
            ...ImportReportFields
          }
        }
        ... on InvalidInputError {
          message
          issues {
            field
            message
          }
        }
        ... on Error {
          message
        }
      }
    }
  `,
  [ImportReportFields],
);

export const ImportFlow = graphql(
  `
    mutation ImportFlow($document: String!, $options: ImportFlowOptions) {
      importFlow(document: $document, options: $options) {
        __typename
        ... on MutationImportFlowSuccess {
          data {
            flow {
              id
              name
              stepCount
            }
            report {
              ...ImportReportFields
            }
          }
        }
        ... on ImportRejectedError {
          message
          report {
            ...ImportReportFields
          }
        }
        ... on Error {
          message
        }
      }
    }
  `,
  [ImportReportFields],
);

export type ImportReport = ResultOf<typeof ImportReportFields>;
export type ImportOptions = NonNullable<VariablesOf<typeof PreviewImport>['options']>;
export type BundleSecret = { step?: string; template?: string; field: string; fill?: string; hint?: string };
