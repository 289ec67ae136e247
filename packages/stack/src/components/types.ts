/** One service of the local stack. */
export interface Component {
  /** Short name used in messages, pid files and log files. */
  name: string;
  /** Address shown by `status`. */
  address: string;
  /** Returns undefined when healthy, or the reason it is not. */
  checkHealth(): Promise<string | undefined>;
  /** Downloads or builds what the component needs; a no-op when already present. */
  prepare(): Promise<void>;
  /** Starts the component in the background. Called only when it is not healthy. */
  start(): Promise<void>;
  /** Seconds `up` waits for health after starting it. */
  startTimeoutSeconds: number;
  /** False when the address points at a server the stack does not manage (a remote cluster). */
  managed: boolean;
}
