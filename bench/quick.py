"""Quick probe: N clients POSTing batches for a few seconds."""
import asyncio, json, sys, time, resource
sys.path.insert(0, ".")
from bench.generator import StatementGenerator
from bench.httpclient import Connection

async def main(port, key, secret, clients, batch, seconds):
    gen = StatementGenerator(seed=int(time.time()))
    bodies = [json.dumps(gen.batch(batch)).encode() for _ in range(200)]
    done = 0; lat = []
    end = time.perf_counter() + seconds
    async def worker(i):
        nonlocal done
        c = Connection("127.0.0.1", port, (key, secret))
        n = i
        while time.perf_counter() < end:
            t = time.perf_counter()
            s, h, d = await c.request("POST", "/xapi/statements", bodies[n % len(bodies)])
            lat.append(time.perf_counter() - t)
            assert s == 200, (s, d[:300])
            done += batch; n += clients
    t0 = time.perf_counter(); r0 = resource.getrusage(resource.RUSAGE_SELF)
    await asyncio.gather(*(worker(i) for i in range(clients)))
    el = time.perf_counter() - t0; r1 = resource.getrusage(resource.RUSAGE_SELF)
    lat.sort()
    print(f"{done/el:.0f} stmts/s, {len(lat)/el:.0f} req/s, p50 {lat[len(lat)//2]*1000:.1f} ms, p99 {lat[int(len(lat)*.99)]*1000:.1f} ms, loadgen cpu {(r1.ru_utime+r1.ru_stime-r0.ru_utime-r0.ru_stime)/el*100:.0f}%")

port, key, secret, clients, batch, seconds = sys.argv[1], sys.argv[2], sys.argv[3], *map(int, sys.argv[4:7])
asyncio.run(main(int(port), key, secret, clients, batch, seconds))
