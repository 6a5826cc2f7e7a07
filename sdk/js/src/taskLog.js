// The self-service task's log (action world only: import this module only in actions).
import { write } from 'portico:plugin/task-log@0.1.0';

export const line = (text) => write(String(text));
