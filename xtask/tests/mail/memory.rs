//! The mail worker on the in-memory adapters.

mail_suite!(Memory);
