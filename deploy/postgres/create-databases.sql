-- Run once by the postgres image on an empty volume: one database per service, no sharing (invariant 7).
CREATE DATABASE customers;
CREATE DATABASE orders;
CREATE DATABASE service_desk;
CREATE DATABASE billing;
