import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length } from 'class-validator';

export class CreateVideoCallDto {
  @ApiPropertyOptional({ type: String, minLength: 1, maxLength: 200, description: 'A name for the room; unique among open calls' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  room_name?: string;
}
