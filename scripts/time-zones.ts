// Writes the time zone names a developer profile accepts (src/features/developers/time-zones.json):
// every zone and link of the IANA database (the `tzdata` package) that this runtime's ICU also
// knows. Run it after upgrading `tzdata`; a test fails while the file is stale.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { timeZoneNames } from "../test/support/time-zones.ts";

const target = fileURLToPath(new URL("../src/features/developers/time-zones.json", import.meta.url));
writeFileSync(target, `${JSON.stringify(timeZoneNames(), null, 1)}\n`);
console.info(`wrote ${timeZoneNames().length} time zone names to ${target}`);
