"""Validators: one module per validator, all behind the small interface in `base`."""
