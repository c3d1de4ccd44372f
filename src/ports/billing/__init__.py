"""Ports of the billing context: exchange rates (and, later, payment gateways, orders, invoices)."""
