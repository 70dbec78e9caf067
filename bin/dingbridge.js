#!/usr/bin/env node
// The `dingbridge` command. Node 24 runs the TypeScript sources directly (type stripping), so there is no build step.
import { main } from '../src/cli/index.ts';

const code = await main(process.argv);
process.exitCode = code;
