import { Transform } from 'class-transformer';
import { IsString, Length } from 'class-validator';
import { toIdString } from '../../common/id';

export class CallIdDto {
  @Transform(toIdString)
  @IsString()
  @Length(1, 128)
  callId: string;
}
