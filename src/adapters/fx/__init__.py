"""FX-rate adapters: the European Central Bank reference rates, and a fixed table for embedded mode.

Both implement ``ports.billing.fx.FxRates`` over a table of rates against EUR and quote every
pair through EUR with the same exact decimal arithmetic (``static.cross_rate``), so the two
agree to the last digit on the same table.
"""
