"""Commerce: pricing, orders, payments, subscriptions, invoices, refunds, enrollment."""
