// Public face of delivery channels: the plug-in contract, the registry and the payload builders that
// webhook_out shares with the notification channels.
export {
  defineChannel,
  type ChannelContext,
  type ChannelDefinition,
  type ChannelMessage,
  type ChannelResult,
} from './channel.js';
export { ChannelRegistry, discoverChannels } from './registry.js';
export { composeMessage } from './message.js';
export { DeliveryError, postJson, targetOf } from './post.js';
export { slackPayload } from './slack.js';
export { teamsPayload } from './teams.js';
export { jsonPayload } from './webhook.js';
