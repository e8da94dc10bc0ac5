// Why a rule was not loaded; `reason` groups rules in the load report ("unsupported keyword xbits").
export class RuleLoadError extends Error {
  constructor(public readonly reason: string, message: string) {
    super(message);
  }
}
