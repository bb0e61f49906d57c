from chassis.runtime import run_service
from customers.bootstrap import SPEC

run_service(SPEC)
