import { useCluster } from './helpers/cluster';
import {
  callRingingPastReservation,
  HelpWorld,
  lapsedReservationReturnsToHead,
  positionsAsMentorsAccept,
  stagedEscalation,
} from './helpers/help-queue-scenarios';
import { closeSockets } from './helpers/sockets';

describe('the help queue across two instances (e2e)', () => {
  const fixture = useCluster(2, { HELP_ESCALATE_AFTER_MS: '1500', HELP_RESERVATION_MS: '2500' });
  const world: HelpWorld = { urls: [], sockets: [] };
  beforeAll(() => world.urls.push(...fixture.instances.map((instance) => instance.url)));
  afterEach(() => closeSockets(...world.sockets.splice(0)));

  it('tells five waiting students on both instances their place as mentors on both accept one by one', () =>
    positionsAsMentorsAccept(world));

  it('escalates once, whichever instance holds the timer', () => stagedEscalation(world));

  it('returns a lapsed reservation to the head across instances', () => lapsedReservationReturnsToHead(world));

  it('waits for a call ringing across instances when the reservation ends', () => callRingingPastReservation(world));
});
