"""Cloud Infinite endpoints served on the bucket domain (`?ci-process=…`)."""
