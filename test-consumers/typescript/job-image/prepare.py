import os

print(f"prepare {os.environ.get('JOB_NAME')} for {os.environ.get('RUN_DATE')}")
