import type { JsonValue } from '@bufbuild/protobuf';
import { createSecretMask, type SecretMask } from '../codec/secret-mask.js';
import { compareAnswer, compareLogGroup, type CompareOptions } from '../replay/compare-answers.js';
import { toRecordedSpace } from '../replay/recorded-space.js';
import { compileIgnores, DEFAULT_IGNORES } from '../replay/ignore-paths.js';
import type { AnswerVerifier, BenchTarget } from './bench-driver.js';

/**
 * `--verify`: compare each live InvocationResponse with the recorded answer of the
 * invocation it was cloned from, field by field, with replay's diff and ignore rules
 * (every live id is mapped back to its recorded one first, by replay's own rule:
 * `toRecordedSpace`, with the stream's setup map plus the invocation id), and its
 * RpcLogs as a multiset. A recorded invocation without a recorded answer is a difference.
 * Both sides are compared redacted by `secrets` (default: the built-in rules), as replay
 * does: a difference shows markers, never a secret.
 */
export function createBenchVerifier(
  targets: readonly BenchTarget[],
  ignore: readonly string[] = [],
  secrets: SecretMask = createSecretMask(),
): AnswerVerifier {
  const matcher = compileIgnores([...DEFAULT_IGNORES, ...ignore]);
  const show = (v: JsonValue | undefined) => (v === undefined ? '(absent)' : JSON.stringify(v));
  return (template, live) => {
    if (!template.answer)
      return [{ path: 'invocationResponse', recorded: '(not recorded)', actual: '(answered)' }];
    const space = targets[live.target]!.space;
    const invocation = { live: live.invocationId, recorded: template.recordedInvocationId };
    const options: CompareOptions = {
      ignore: matcher,
      secrets,
      toRecordedSpace: (json) => toRecordedSpace(json, space, invocation),
    };
    const out = compareAnswer(template.answer, live.answer, options).map((d) => ({
      path: d.path,
      recorded: show(d.recorded),
      actual: show(d.live),
    }));
    if (template.logs.length > 0 || live.logs.length > 0) {
      const logs = compareLogGroup(template.logs, live.logs, options);
      for (const d of logs.differed)
        for (const x of d.differences)
          out.push({
            path: `rpcLog.${x.path.replace(/^rpcLog\./, '')}`,
            recorded: show(x.recorded),
            actual: show(x.live),
          });
      if (logs.missing.length > 0)
        out.push({ path: 'rpcLog', recorded: `${logs.missing.length} more log(s)`, actual: '(missing)' });
      if (logs.extra.length > 0)
        out.push({ path: 'rpcLog', recorded: '(none)', actual: `${logs.extra.length} extra log(s)` });
    }
    return out;
  };
}
