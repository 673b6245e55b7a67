/* ml_cases.c -- being written */
