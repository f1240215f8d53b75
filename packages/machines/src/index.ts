// The session machine: the one definition of the AgenticSession phase model.
export { sessionMachine } from './session.machine.js';
export { MACHINES } from './machine-registry.js';
export type { RegisteredMachine } from './machine-registry.js';
export { toXStateSource } from './xstate-source.js';
export type { SessionMachine } from './session.machine.js';
export { decide, snapshotFromStatus, MAX_STEPS_PER_DECISION } from './decide.js';
export type { DecideInput, Decision, PhaseTransition, SessionFollowUp } from './decide.js';
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
export { FATAL_WAITING_REASONS, PREREQUISITE_FAILED_EXIT_CODE, classifyRunner } from './runner-verdict.js';

// Outputs.
export { COMMAND_TIMING, SESSION_COMMAND_TYPES } from './session.commands.js';
export type { SessionCommand, SessionCommandType } from './session.commands.js';

// Derived views of the model.
export { SESSION_TRANSITIONS, sessionMachineEdges, toMermaid } from './session.graph.js';
export type { MachineEdge } from './session.graph.js';
export type { SessionMachineEdge, SessionMachineState, SessionTransitionPair } from './session.graph.js';
export { toSvg } from './session-diagram-svg.js';

// The UserDeployment phase model (issue 19).
export { userDeploymentMachine } from './user-deployment.machine.js';
export type { UserDeploymentMachine, UserDeploymentObserveEvent } from './user-deployment.machine.js';
export { decideUserDeployment } from './user-deployment-decide.js';
export type { UserDeploymentDecision, UserDeploymentTransition } from './user-deployment-decide.js';
export {
  USER_DEPLOYMENT_PHASES,
  USER_DEPLOYMENT_RESTING_PHASES,
  USER_DEPLOYMENT_CONDITION_TYPES,
  isUserDeploymentPhase,
} from './user-deployment-status.js';
export type {
  UserDeploymentPhase,
  UserDeploymentConditionType,
  UserDeploymentConditionEntry,
  UserDeploymentMachineStatus,
  UserDeploymentServiceEntry,
  UserDeploymentStatusPatch,
  UserDeploymentUrlEntry,
} from './user-deployment-status.js';
export type {
  ServiceObservation,
  TemplateObservation,
  UserDeploymentObservation,
} from './user-deployment-observation.js';
export { USER_DEPLOYMENT_COMMAND_TYPES } from './user-deployment.commands.js';
export type { UserDeploymentCommand, UserDeploymentCommandType } from './user-deployment.commands.js';
export {
  USER_DEPLOYMENT_TRANSITIONS,
  userDeploymentMachineEdges,
  userDeploymentMermaid,
  userDeploymentSvg,
} from './user-deployment.graph.js';
export type {
  UserDeploymentMachineEdge,
  UserDeploymentMachineState,
  UserDeploymentTransitionPair,
} from './user-deployment.graph.js';

// The AgentTask and Workflow phase models (issue 17).
export { taskMachine, TASK_COMMAND_TYPES, TASK_CONDITION_TYPES, taskGuards } from './agent-task.machine.js';
export type {
  TaskCommand,
  TaskContext,
  TaskJobObservation,
  TaskObservation,
  TaskObserveEvent,
} from './agent-task.machine.js';
export {
  decideTask,
  isTerminalTaskPhase,
  taskSnapshotFromStatus,
  TERMINAL_TASK_PHASES,
} from './agent-task.decide.js';
export type { TaskDecision, TaskTransition } from './agent-task.decide.js';
export { workflowMachine, WORKFLOW_COMMAND_TYPES, workflowGuards } from './workflow.machine.js';
export type {
  StepTaskObservation,
  WorkflowCommand,
  WorkflowContext,
  WorkflowObservation,
  WorkflowObserveEvent,
} from './workflow.machine.js';
export { decideWorkflow, TERMINAL_WORKFLOW_PHASES, workflowSnapshotFromStatus } from './workflow.decide.js';
export type { WorkflowDecision, WorkflowTransition } from './workflow.decide.js';
export { parseTaskOutput, TERMINATION_MESSAGE_MAX_BYTES, OUTPUT_PROBLEMS } from './task-output.js';
export type { OutputProblem, TaskOutputResult } from './task-output.js';
export { substituteStepOutputs } from './step-references.js';
export type { StepOutputs, SubstitutionResult } from './step-references.js';
export {
  phasePairs,
  schedulerMachineEdges,
  TASK_TRANSITIONS,
  taskDiagramModel,
  taskMermaid,
  taskSvg,
  WORKFLOW_TRANSITIONS,
  workflowDiagramModel,
  workflowMermaid,
  workflowSvg,
} from './scheduler.graph.js';
export type { PhasePair } from './scheduler.graph.js';
export type { StatusPatch } from './status-patch.js';
