"""Run by tests as a process of its own: hold a job until killed, or until a line on stdin.

    python -m tests.health.hold_job <job>

Prints "holding run <pk>" once the job's lock is taken and its run recorded.
"""

import sys

import django


def main() -> None:
    job = sys.argv[1]
    django.setup()
    from health.jobs import track_job

    with track_job(job, trigger="command") as run:
        sys.stdout.write(f"holding run {run.run.pk}\n")
        sys.stdout.flush()
        sys.stdin.readline()


if __name__ == "__main__":
    main()
