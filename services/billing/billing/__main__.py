from billing.bootstrap import SPEC
from chassis.runtime import run_service

run_service(SPEC)
