// The session machine: the one definition of the AgenticSession phase model.
export { sessionMachine } from './session.machine.js';
export type { SessionMachine } from './session.machine.js';
export { decide, snapshotFromStatus, MAX_STEPS_PER_DECISION } from './decide.js';
export type { DecideInput, Decision, PhaseTransition } from './decide.js';
export { contextFromStatus } from './session.context.js';
export type { SessionContext, ObserveEvent, SessionEvent } from './session.context.js';

// Phases, status and conditions.
export {
  PHASES,
  TERMINAL_PHASES,
  CONDITION_TYPES,
  NO_PHASE,
  PHASE_HISTORY_LIMIT,
  isSessionPhase,
  isTerminalPhase,
} from './session-status.js';
export type {
  SessionPhase,
  TerminalPhase,
  TransitionSource,
  ConditionType,
  ConditionStatus,
  SessionCondition,
  ReconciledRepo,
  ReconciledWorkflow,
  PhaseHistoryEntry,
  SessionStatus,
  SessionStatusPatch,
} from './session-status.js';
export { setCondition, findCondition } from './conditions.js';
export type { ConditionUpdate } from './conditions.js';
export { applyStatusPatch } from './status-patch.js';

// Inputs.
export type {
  SessionObservation,
  SessionAnnotationsObservation,
  SpecValidation,
  ValidationIssue,
  RunnerTokenObservation,
  RunnerObservation,
  RunnerJobObservation,
  RunnerPodObservation,
  ContainerStateObservation,
  SpecSyncResult,
} from './session-observation.js';
export { DEFAULT_MACHINE_CONFIG } from './machine-config.js';
export type { MachineConfig } from './machine-config.js';
export { SESSION_ANNOTATIONS, RUNNER_RUN_START_TIME_ANNOTATION } from './annotations.js';
export { FATAL_WAITING_REASONS, PREREQUISITE_FAILED_EXIT_CODE } from './runner-verdict.js';

// Outputs.
export { SESSION_COMMAND_TYPES } from './session.commands.js';
export type { SessionCommand, SessionCommandType } from './session.commands.js';

// Derived views of the model.
export { SESSION_TRANSITIONS, sessionMachineEdges, toMermaid } from './session.graph.js';
export type { SessionMachineEdge, SessionMachineState, SessionTransitionPair } from './session.graph.js';
export { toSvg } from './session-diagram-svg.js';
