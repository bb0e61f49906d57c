"""Rule violations (XC-08) and rectifications of supervision findings (XC-09), in every service.

``domain`` holds the aggregates, ``application`` the commands every service application
inherits, ``http`` the routes every service mounts. Each service keeps them in its own store,
about its own staff and documents.
"""
