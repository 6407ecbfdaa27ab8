import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsString, Length } from 'class-validator';
import { toIdString } from '../../common/id';

export class CallIdDto {
  @ApiProperty({
    oneOf: [{ type: 'string', minLength: 1, maxLength: 128 }, { type: 'integer' }],
    description: 'The call id (an integer is read as its decimal string)',
  })
  @Transform(toIdString)
  @IsString()
  @Length(1, 128)
  callId: string;
}
