// The datatype -> log table rule lives in @mm/db (DOMAIN §1), shared with the ETLs.
export {
  type FloatDatatype,
  floatDatatypes,
  type LogTable,
  logTableOf,
  type StringDatatype,
} from '@mm/db';
