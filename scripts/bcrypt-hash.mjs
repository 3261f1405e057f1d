#!/usr/bin/env node
// Prints one bcrypt hash per password given, with the npm package bcryptjs: an implementation independent of the
// libxcrypt that authd checks them with, as the original NestJS service's node bcrypt was. The import test
// (tests/integration/import_nestjs_test.cpp) fills the original schema with these.
//   node scripts/bcrypt-hash.mjs [--rounds N] PASSWORD...
import bcrypt from "bcryptjs";

const args = process.argv.slice(2);
let rounds = 10;
if (args[0] === "--rounds") {
  rounds = Number(args[1]);
  args.splice(0, 2);
}
if (!Number.isInteger(rounds) || rounds < 4 || rounds > 31 || args.length === 0) {
  process.stderr.write("usage: node scripts/bcrypt-hash.mjs [--rounds 4..31] PASSWORD...\n");
  process.exit(2);
}
for (const password of args) process.stdout.write(bcrypt.hashSync(password, rounds) + "\n");
