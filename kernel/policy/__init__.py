"""Policy (XC-07): every rule parameter, the authority matrix and the working calendar are
versioned documents in force only once the general manager signed them; decisions record the
version they were taken under."""
