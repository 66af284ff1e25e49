import {
  Bell,
  Bot,
  ClipboardCheck,
  Clock,
  Code,
  Database,
  Footprints,
  GitBranch,
  Globe,
  Hand,
  House,
  Hourglass,
  Info,
  ListChecks,
  MessageSquare,
  MessageSquareText,
  Megaphone,
  Play,
  Repeat,
  Reply,
  ScrollText,
  Send,
  Shield,
  Sparkles,
  SquareTerminal,
  Thermometer,
  Timer,
  TrendingUp,
  Variable,
  Volume2,
  Webhook,
  Workflow,
  Zap,
  type LucideIcon,
} from 'lucide-vue-next';

export type Category = 'TRIGGER' | 'CONDITION' | 'ACTION' | 'CARE' | 'FLOW';

export const CATEGORY_LABEL: Record<Category, string> = {
  TRIGGER: 'Triggers',
  CONDITION: 'Conditions',
  ACTION: 'Actions',
  CARE: 'Care',
  FLOW: 'Flow control',
};

export const CATEGORY_ORDER: Category[] = ['TRIGGER', 'CONDITION', 'ACTION', 'CARE', 'FLOW'];

const CATEGORY_ICON: Record<Category, LucideIcon> = {
  TRIGGER: Zap,
  CONDITION: GitBranch,
  ACTION: Sparkles,
  CARE: MessageSquare,
  FLOW: Workflow,
};

// Known types get a telling icon; a type the PWA has never heard of still gets its category's icon.
const TYPE_ICON: Record<string, LucideIcon> = {
  manual: Hand,
  schedule: Clock,
  sensor_value: Thermometer,
  node_event: Footprints,
  webhook: Webhook,
  cooldown: Shield,
  alert: Bell,
  wait: Hourglass,
  sleep: Hourglass,
  trigger_flow: Play,
  activity_record: ListChecks,
  command: SquareTerminal,
  condition: GitBranch,
  for_each_node: Repeat,
  ha_service: House,
  ha_state: House,
  http: Globe,
  info_card: Info,
  interactive_prompt: MessageSquareText,
  llm_call: Bot,
  log: ScrollText,
  notification: Megaphone,
  query: Database,
  response: Reply,
  script: Code,
  set_variable: Variable,
  threshold: TrendingUp,
  time_window: Timer,
  tts_announcement: Volume2,
  verification: ClipboardCheck,
  webhook_out: Send,
};

export const iconOf = (type: string, category: string): LucideIcon =>
  TYPE_ICON[type] ?? CATEGORY_ICON[category as Category] ?? Sparkles;

export const categoryVar = (category: string): string => `var(--cat-${category.toLowerCase()})`;
