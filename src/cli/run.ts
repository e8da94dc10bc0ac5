// Entry point for running the CLI from source (tests use it via tsx); bin/proctap.js uses dist/.
import { main } from './main';

main(process.argv).catch((err: unknown) => {
  process.stderr.write(`proctap: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
