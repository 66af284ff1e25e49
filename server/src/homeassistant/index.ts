// Public face of the Home Assistant integration: settings, the REST service call, the shared WebSocket.
export {
  HomeAssistantConnection,
  type ConnectionStatus,
  type HaState,
  type HomeAssistantConnectionOptions,
  type StateChange,
} from './connection.js';
export {
  callService,
  HA_SLUG,
  HomeAssistantError,
  type ServiceCall,
  type ServiceCallResult,
} from './rest.js';
export {
  HomeAssistantSettingsError,
  parseHomeAssistantSettings,
  serviceUrl,
  websocketUrl,
  type HomeAssistantSettings,
} from './settings.js';
