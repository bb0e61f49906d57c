"""The shared business kernel: what the company's regulations require of every service.

Roles, the working calendar, approvals and signatures under the authority matrix, rule
violations and rectifications, and the audit tools. A service opts into a feature by making its
application inherit the feature's command class; the feature brings its own commands, routes,
timers, projections and value objects. The kernel builds on the runtime; the runtime never
imports the kernel.
"""
