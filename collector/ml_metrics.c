/* ml_metrics.c -- being written */
