import { CliError, defineCommand } from './command.js';
import { requirePostgresUrl } from './push.js';
import { timeFlag } from './time-flag.js';

export const pruneCommand = defineCommand({
  command: 'prune',
  describe:
    'Retention for a fleet database: drop the sessions of every UTC day older than --older-than (whole partitions)',
  builder: (y) =>
    y
      .option('db', { type: 'string', demandOption: true, describe: 'the fleet database (postgres://...)' })
      .option('older-than', { type: 'string', demandOption: true, describe: 'an age: 30d, 12h, ...' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'only say what would go' }),
  run: async (args, io) => {
    const db = requirePostgresUrl('db', args.db);
    const age = args['older-than'];
    if (typeof age !== 'string' || !/^\d/.test(age))
      throw new CliError(`--older-than takes an age (30d, 12h); got ${JSON.stringify(age)}`);
    const cutoff = timeFlag('older-than', age, Date.now())!;
    const { withFleet, pruneFleet } = await import('../recording/fleet/index.js');
    const plan = await withFleet(db, 'pruning', (c) => pruneFleet(c, cutoff, args['dry-run']));
    const before = new Date(plan.beforeMs).toISOString().slice(0, 10);
    io.stdout.write(
      `${plan.done ? 'pruned' : 'would prune'} ${plan.sessions} session(s), ${plan.frames} message(s) started before ${before}` +
        ` (${plan.partitions.length} partition(s)${plan.partitions.length ? `: ${plan.partitions.join(', ')}` : ''})\n`,
    );
    return 0;
  },
});
