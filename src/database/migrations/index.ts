import { EventStore1764374400000 } from './1764374400000-event-store';
import { Projections1764374500000 } from './1764374500000-projections';
import { Subscriptions1764374600000 } from './1764374600000-subscriptions';
import { Reminders1764374700000 } from './1764374700000-reminders';
import { Audit1764374800000 } from './1764374800000-audit';
import { CalendarCountryWindow1764375500000 } from './1764375500000-calendar-country-window';
import { ReminderPlanReplaced1764375600000 } from './1764375600000-reminder-plan-replaced';
import { ReminderLeadTimes1764375700000 } from './1764375700000-reminder-lead-times';
import { DeliveryPayload1764375800000 } from './1764375800000-delivery-payload';
import { ParkedStreams1764376100000 } from './1764376100000-parked-streams';
import { PersonalDataMinimised1764376200000 } from './1764376200000-personal-data-minimised';
import { TransparencyLog1764376300000 } from './1764376300000-transparency-log';
import { Webhooks1764376500000 } from './1764376500000-webhooks';
import { RecurringSeries1764376800000 } from './1764376800000-recurring-series';
import { ReminderOccurrences1764377000000 } from './1764377000000-reminder-occurrences';
import { HistorySeries1764377000100 } from './1764377000100-history-series';
import { IdempotentReplayBytes1764377100000 } from './1764377100000-idempotent-replay-bytes';
import { WebhookAttemptsAge1764377900000 } from './1764377900000-webhook-attempts-age';
import { CalendarSeriesWindow1764378400000 } from './1764378400000-calendar-series-window';
import { CalendarInstanceChanges1764378400100 } from './1764378400100-calendar-instance-changes';

/** Every migration, in order. Listed explicitly so the same list works from dist/ and in jest. */
export const MIGRATIONS = [
  EventStore1764374400000,
  Projections1764374500000,
  Subscriptions1764374600000,
  Reminders1764374700000,
  Audit1764374800000,
  CalendarCountryWindow1764375500000,
  ReminderPlanReplaced1764375600000,
  ReminderLeadTimes1764375700000,
  DeliveryPayload1764375800000,
  ParkedStreams1764376100000,
  PersonalDataMinimised1764376200000,
  TransparencyLog1764376300000,
  Webhooks1764376500000,
  RecurringSeries1764376800000,
  ReminderOccurrences1764377000000,
  HistorySeries1764377000100,
  IdempotentReplayBytes1764377100000,
  WebhookAttemptsAge1764377900000,
  CalendarSeriesWindow1764378400000,
  CalendarInstanceChanges1764378400100,
];
