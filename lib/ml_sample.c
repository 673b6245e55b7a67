/* ml_sample.c -- being written */
