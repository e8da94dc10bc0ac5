// Errors a command reports as bad usage (exit code 2).
export class UsageError extends Error {}
