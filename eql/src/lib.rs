//! An Event Query Language (EQL) engine for the dialect Elasticsearch runs and Elastic's
//! detection rules are written in.
