/**
 * The ETLs of the product (DOMAIN §5), in the order the run grid shows them. Ledger rows of any
 * other ETL name are shown after these.
 */
export const knownEtls = ['sensor-stats', 'machine-activity', 'programs', 'alerts', 'energy'] as const;
