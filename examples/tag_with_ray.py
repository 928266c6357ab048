"""Tag a crawl on a Ray cluster and write the clause records as Parquet.

    pip install -e ".[ray]"
    python examples/tag_with_ray.py crawl/ --output tagged/                      # local Ray
    python examples/tag_with_ray.py s3://bucket/crawl/ --output s3://bucket/tagged/ \\
        --address auto --model /shared/models/bert-ft --cpus-per-actor 4

INPUT is one or more folders or files, on local disk or in object storage: policy files
(.txt, .md, .html, .htm) or JSON Lines with ``doc`` and ``text`` fields.  A local --output
folder is written as OUT.partial/ and renamed to OUT/ when every record is written.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("inputs", nargs="+", help="folders or files, local paths or URIs")
    parser.add_argument("--output", required=True, help="Parquet folder, a local path or a URI")
    parser.add_argument("--model", help="model folder readable on every node (default: the bundled model)")
    parser.add_argument("--address", help="Ray cluster address, e.g. auto (default: start a local Ray)")
    parser.add_argument("--actors", type=int, help="model replicas (default: as many as leave one CPU free)")
    parser.add_argument("--cpus-per-actor", type=float, default=1)
    parser.add_argument("--gpus-per-actor", type=float, default=0)
    parser.add_argument("--documents-per-batch", type=int, default=32)
    args = parser.parse_args(argv)

    import ray

    from jprivacy.distributed import read_documents, tag_dataset

    if not ray.is_initialized():
        ray.init(address=args.address)
    local = "://" not in args.output
    if local and os.path.exists(args.output):
        print(f"{args.output}: already exists; choose a new output folder", file=sys.stderr)
        return 2
    target = args.output + ".partial" if local else args.output
    if local:
        shutil.rmtree(target, ignore_errors=True)  # left over from an interrupted run
    records = tag_dataset(read_documents(args.inputs), args.model, actors=args.actors,
                          cpus_per_actor=args.cpus_per_actor, gpus_per_actor=args.gpus_per_actor,
                          documents_per_batch=args.documents_per_batch)
    records.write_parquet(target)
    if local:
        os.replace(target, args.output)
    print(f"wrote clause records to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
