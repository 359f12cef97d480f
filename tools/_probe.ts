import * as v8 from "v8";
import { runOnMocks } from "./mockEngine";
import { generateValidFleet } from "./fleetGen";
import { offlineConfig, readStackFile, stackFilePath } from "./stackFile";
import { buildFleet } from "../stacks/fleet";
const n = Number(process.argv[2]);
const { spec } = generateValidFleet(n);
const file = readStackFile(stackFilePath("prod"));
const { config, secretKeys } = offlineConfig(file, { ok: true, spec });
const t = Date.now();
runOnMocks(() => { buildFleet(spec); if (process.env.SNAP) console.log(v8.writeHeapSnapshot(process.env.SNAP)); console.log("sync", Date.now() - t, "heap", (process.memoryUsage().heapUsed / 1e6).toFixed(0)); }, { config, secretKeys, stack: "prod" }).then(({ inventory }) => {
  console.log(inventory.resources.length, "eval", Date.now() - t, "maxrss", (process.resourceUsage().maxRSS / 1024).toFixed(0), "heap", (process.memoryUsage().heapUsed / 1e6).toFixed(0), "cpu", (process.cpuUsage().user / 1000).toFixed(0));
  process.exit(0);
});
