import { PGlite } from "@electric-sql/pglite";
let t=Date.now(); const a = await PGlite.create("memory://"); await a.query("select 1"); console.log("mem", Date.now()-t, Math.round(process.memoryUsage().rss/1e6));
t=Date.now(); const dump = await a.dumpDataDir("gzip"); console.log("dump", Date.now()-t, dump.size);
t=Date.now(); const b = await PGlite.create({loadDataDir: dump}); await b.query("select 1"); console.log("load", Date.now()-t, Math.round(process.memoryUsage().rss/1e6));
