"""Billing: pricing, orders, payments, subscriptions, invoices, refunds, revenue sharing."""
