/** The `@ApiProperty` options of an ISO-8601 date-time string. */
export const dateTime = (description: string, nullable = false) => ({
  type: String,
  format: 'date-time',
  description,
  ...(nullable ? { nullable } : {}),
});
