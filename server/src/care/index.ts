// Public face of the care loop: tablets' prompts, deliveries, feed and live connections.
export { CareService, type FeedMessage, type FeedKind, type TabletInfo } from './service.js';
export { createCareStepServices, careServices, type CareStepServices } from './step-services.js';
export {
  renderCardBody,
  loadCard,
  cardImagePath,
  decodeCardId,
  infoCardChecks,
  type CardContent,
} from './cards.js';
export { targetFromConfig, targets, type Target } from './targets.js';
export { REVOKED_CLOSE_CODE } from './connections.js';
export { createPairing, exchangePairing, revokeDevice, pairingLink, PAIRING_TTL_MS } from './pairing.js';
export type { PromptView, PromptAction, AnswerOutcome, PromptAnswerView } from './prompts.js';
export type { DeliveryView, DeliveryReport, ReportStatus } from './deliveries.js';
