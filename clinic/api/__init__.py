"""The REST API: one view per operation, input and output serializers, one error handler."""
