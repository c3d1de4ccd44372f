"""Documents rendered by Lyceum (PDF invoices; certificates later), with the fonts they ship."""
