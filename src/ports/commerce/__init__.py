"""Ports of the commerce context: exchange rates (and, later, gateways, orders, invoices)."""
