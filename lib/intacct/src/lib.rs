//! Sage Intacct XML gateway client.
