"""Jobs the MPI tests start with ``mpiexec -n K python tests/mpi/mpi_job.py JOB ...`` (a script,
not a test module: each rank runs it). Rank 0 writes what it got with
:func:`neurocompile.mpi.results.save_results`; errors are printed as ``error: ...`` on each rank.

Jobs:
  api PROGRAM.ncp MS OUT.npz [INPUTS.npz]: every rank loads the program whole and calls
      neurocompile.mpi.run(program, ...) (in-memory partition or batch); each rank of a
      partitioned run writes its Exchange record to OUT.npz.rank<r>.json;
  api-replicated ...: the same with by_neurons=False (every rank updates every neuron);
  die PROGRAM.ncp MS: rank 1 exits after start-up; the others must stop with a named error.
"""
import json
import os
import sys

import numpy as np

from neurocompile import mpi
from neurocompile.errors import DistributedError
from neurocompile.mpi.results import save_results


def main(argv):
    job, path, ms = argv[0], argv[1], float(argv[2])
    ranks = mpi.Ranks()
    if job == "die":
        # Both ranks past MPI's start-up first: a rank that dies while another is still in
        # MPI_Init takes that one down with it, silently (seen in 2 of about 12 runs under load).
        ranks.comm.Barrier()
        if ranks.rank == 1:
            os._exit(1)
    try:
        if job in ("api", "api-replicated"):
            import neurocompile as nc
            inputs = None
            if len(argv) > 4 and ranks.rank == 0:
                with np.load(argv[4]) as data:
                    inputs = {k: data[k] for k in data.files}
            done = mpi.run(nc.load(path), ms, inputs=inputs, by_neurons=job == "api")
            if done.rank == 0:
                save_results(done.result, argv[3])
            if done.exchange is not None:
                with open(f"{argv[3]}.rank{done.rank}.json", "w") as fh:
                    json.dump(done.exchange._asdict(), fh)
        else:
            mpi.run(path, ms)
    except DistributedError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        if getattr(exc, "lost", False):
            ranks.abort(1)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
