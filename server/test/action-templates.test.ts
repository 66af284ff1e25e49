import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREATE_FLOW } from './fixtures.js';
import { startTestServer, type TestServer } from './harness.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const CREATE = `mutation($name: String!, $type: String!, $config: JSONObject!) {
  createActionTemplate(name: $name, type: $type, config: $config) {
    __typename ... on Error { code message } ... on FlowValidationError { issues { field } }
    ... on MutationCreateActionTemplateSuccess { data { id name config } } } }`;

const STEPS = `query($id: ID!) { flow(id: $id) { steps { key config resolvedConfig actionTemplate { name } } } }`;

describe('action templates', () => {
  it('a step references a template and overrides fields; the resolved config is template + overrides', async () => {
    const template = await server.gql(CREATE, {
      name: 'Family warning',
      type: 'alert',
      config: { level: 'warning', message: 'Something needs a look at home' },
    });
    const templateId = template.data.createActionTemplate.data.id;
    const flow = await server.gql(CREATE_FLOW, {
      input: {
        name: 'Uses a template',
        steps: [
          { key: 'start', type: 'manual' },
          {
            key: 'warn',
            type: 'alert',
            actionTemplateId: templateId,
            config: { message: 'Fridge door open' },
          },
        ],
        edges: [{ source: 'start', target: 'warn' }],
      },
    });
    const flowId = flow.data.createFlow.data.id;
    const fetched = await server.gql(STEPS, { id: flowId });
    expect(fetched.errors).toBeUndefined();
    let steps = fetched.data.flow.steps;
    let warn = steps.find((step: { key: string }) => step.key === 'warn');
    expect(warn.config).toEqual({ message: 'Fridge door open' });
    expect(warn.resolvedConfig).toEqual({ level: 'warning', message: 'Fridge door open' });
    expect(warn.actionTemplate).toEqual({ name: 'Family warning' });

    const update = await server.gql(
      `mutation($id: ID!) { updateActionTemplate(id: $id, config: { level: "emergency", message: "x" }) { __typename } }`,
      { id: templateId },
    );
    expect(update.data.updateActionTemplate.__typename).toBe('MutationUpdateActionTemplateSuccess');
    steps = (await server.gql(STEPS, { id: flowId })).data.flow.steps;
    warn = steps.find((step: { key: string }) => step.key === 'warn');
    expect(warn.resolvedConfig).toEqual({ level: 'emergency', message: 'Fridge door open' });

    const del = await server.gql(
      `mutation($id: ID!) { deleteActionTemplate(id: $id) { __typename ... on TemplateInUseError { stepCount code } } }`,
      { id: templateId },
    );
    expect(del.data.deleteActionTemplate).toEqual({
      __typename: 'TemplateInUseError',
      stepCount: 1,
      code: 'TEMPLATE_IN_USE',
    });
  });

  it('validates the template config and the overrides against the step type', async () => {
    const bad = await server.gql(CREATE, { name: 'Broken', type: 'alert', config: { level: 'loud' } });
    expect(bad.data.createActionTemplate.__typename).toBe('FlowValidationError');
    const trigger = await server.gql(CREATE, { name: 'Trigger', type: 'manual', config: {} });
    expect(trigger.data.createActionTemplate.__typename).toBe('FlowValidationError');
    const ok = await server.gql(CREATE, { name: 'Log it', type: 'log', config: { message: 'noted' } });
    const templateId = ok.data.createActionTemplate.data.id;
    const wrongType = await server.gql(CREATE_FLOW, {
      input: { name: 'Mismatch', steps: [{ key: 'a', type: 'alert', actionTemplateId: templateId }] },
    });
    expect(wrongType.data.createFlow.issues[0]).toMatchObject({
      code: 'UNKNOWN_TEMPLATE',
      stepKey: 'a',
      field: 'actionTemplateId',
    });
    const badOverride = await server.gql(CREATE_FLOW, {
      input: {
        name: 'Bad override',
        steps: [{ key: 'a', type: 'log', actionTemplateId: templateId, config: { level: 'loud' } }],
      },
    });
    expect(badOverride.data.createFlow.issues[0]).toMatchObject({
      code: 'INVALID_CONFIG',
      field: 'config.level',
    });
    const dup = await server.gql(CREATE, { name: 'Log it', type: 'log', config: { message: 'again' } });
    expect(dup.data.createActionTemplate).toMatchObject({ __typename: 'NameTakenError', code: 'NAME_TAKEN' });
  });
});
