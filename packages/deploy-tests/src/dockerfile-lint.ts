import { DockerfileParser } from 'dockerfile-ast';

/** What the Dockerfile says about the image, read through a real Dockerfile parser. */
export interface DockerfileFacts {
  /** `FROM` images with build args expanded, in order. */
  baseImages: string[];
  /** Stage names (`FROM ... AS name`), in order. */
  stages: (string | undefined)[];
  /** Default values of the global `ARG`s. */
  args: Record<string, string>;
  /** The last `USER` of the final stage, if any. */
  finalUser: string | undefined;
  /** ENTRYPOINT and CMD of the final stage, exec form parsed as JSON. */
  entrypoint: string[] | undefined;
  cmd: string[] | undefined;
  /** Every RUN command (expanded). */
  runs: string[];
  /** COPY instructions of the final stage: their arguments (expanded), flags such as `--from=` included. */
  finalCopies: string[];
}

function execForm(text: string | null): string[] | undefined {
  if (text === null) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) && parsed.every((p) => typeof p === 'string') ? parsed : [text];
  } catch {
    return [text];
  }
}

export function readDockerfile(text: string): DockerfileFacts {
  const dockerfile = DockerfileParser.parse(text);
  const facts: DockerfileFacts = {
    baseImages: [],
    stages: [],
    args: {},
    finalUser: undefined,
    entrypoint: undefined,
    cmd: undefined,
    runs: [],
    finalCopies: [],
  };
  // Global ARGs are the ones before the first FROM.
  for (const arg of dockerfile.getInstructions()) {
    if (arg.getKeyword() === 'FROM') break;
    if (arg.getKeyword() !== 'ARG') continue;
    const [name, ...value] = (arg.getArgumentsContent() ?? '').split('=');
    if (name !== undefined && value.length > 0) facts.args[name.trim()] = value.join('=').trim();
  }
  for (const from of dockerfile.getFROMs()) {
    const expanded = from.getExpandedArguments().map((a) => a.getValue());
    facts.baseImages.push(expanded[0] ?? '');
    facts.stages.push(from.getBuildStage() ?? undefined);
  }
  let inFinalStage = false;
  const lastFrom = dockerfile.getFROMs().at(-1);
  for (const instruction of dockerfile.getInstructions()) {
    if (instruction === lastFrom) inFinalStage = true;
    const keyword = instruction.getKeyword();
    const content = instruction
      .getExpandedArguments()
      .map((a) => a.getValue())
      .join(' ');
    if (keyword === 'RUN') facts.runs.push(content);
    if (!inFinalStage) continue;
    if (keyword === 'USER') facts.finalUser = content;
    if (keyword === 'COPY') facts.finalCopies.push(content);
    if (keyword === 'ENTRYPOINT') facts.entrypoint = execForm(instruction.getArgumentsContent());
    if (keyword === 'CMD') facts.cmd = execForm(instruction.getArgumentsContent());
  }
  return facts;
}

/**
 * Review rules for the image: multi-stage, every base image pinned to a version tag (not latest),
 * the final stage runs as a numeric non-root uid, exec-form ENTRYPOINT, frozen lockfile installs,
 * and no `curl | sh` style installs. Returns one message per violation.
 */
export function dockerfileViolations(text: string): string[] {
  const facts = readDockerfile(text);
  const violations: string[] = [];
  if (facts.baseImages.length < 2) violations.push('not a multi-stage build');
  for (const image of facts.baseImages) {
    const stageReference = facts.stages.includes(image);
    if (stageReference) continue;
    const tag = image.includes(':') ? image.slice(image.lastIndexOf(':') + 1) : undefined;
    if (tag === undefined || tag === 'latest')
      violations.push(`base image ${image} is not pinned to a version tag`);
    if (image.includes('${')) violations.push(`base image ${image} has an ARG without a default`);
  }
  const user = facts.finalUser?.split(':')[0];
  if (user === undefined) violations.push('the final stage has no USER (it would run as root)');
  else if (!/^\d+$/.test(user))
    violations.push(`USER ${user} is not numeric (runAsNonRoot cannot verify it)`);
  else if (user === '0') violations.push('USER is root');
  if (facts.entrypoint === undefined || facts.entrypoint.length === 0)
    violations.push('no exec-form ENTRYPOINT');
  for (const run of facts.runs) {
    if (/\bpnpm install\b/.test(run) && !run.includes('--frozen-lockfile')) {
      violations.push(`pnpm install without --frozen-lockfile: ${run}`);
    }
    if (/\b(curl|wget)\b[^|]*\|\s*(ba)?sh\b/.test(run))
      violations.push(`pipes a download into a shell: ${run}`);
  }
  return violations;
}
