/* placeholder */ int ml_collector_placeholder_ (void); int ml_collector_placeholder_ (void) { return 0; }
