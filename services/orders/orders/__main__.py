from chassis.runtime import run_service
from orders.bootstrap import SPEC

run_service(SPEC)
